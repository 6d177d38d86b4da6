"""The recommender's algorithms, one module each with the same shape: its parameters, its
fit, a model that folds a user in and scores and finds similar films, and its dumps/loads."""
