"""The control plane /_fakepai/: who may reach it, and the web console (its JSON and the page in a browser)."""
