"""PaiPlugin 2022-01-12."""
