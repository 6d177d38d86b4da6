"""What the catalogue announces to the apps above it, which it must not import."""

from django.dispatch import Signal

# Sent by the embedding task when no movie is left waiting for its embedding.
embedding_finished = Signal()
