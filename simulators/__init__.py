"""Local HTTP simulators of the vendors, for tests and demos (never used in production)."""
