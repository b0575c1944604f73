"""pai-dlc 2020-12-03: jobs, templates, TensorBoards, ECS specs, sanity checks, telemetry (calls.py: helpers; conftest.py: the gateway client)."""
