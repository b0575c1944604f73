"""The product-neutral simulation generators in fakepai.sim (logs, metrics)."""
