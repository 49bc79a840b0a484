"""A student's whole request: origem courses against destino units, solved as one assignment (ADR 0019)."""
