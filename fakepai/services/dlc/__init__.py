"""Service package: importing it registers its handlers."""
