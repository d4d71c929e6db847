"""RunStrong."""
