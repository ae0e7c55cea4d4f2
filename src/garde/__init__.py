"""garde."""
