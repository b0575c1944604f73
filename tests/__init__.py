"""fakepai's own tests, one folder per subject; helpers.py and data/ are shared by all of them."""
