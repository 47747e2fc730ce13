"""Pages of the annual assessment."""
