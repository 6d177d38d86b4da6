"""Offline evaluation: splits (`splits`), the offline recommender (`offline`), the
protocol (`protocol`), its report (`report`) and the metrics (`metrics`)."""
