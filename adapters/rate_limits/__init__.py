"""Rate limiter adapters (port `core.ports.rate_limiter.RateLimiter`)."""
