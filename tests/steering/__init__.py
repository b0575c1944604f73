"""Steering a test run: the virtual clock, scripted faults, scripted outcomes, and typos in any of them."""
