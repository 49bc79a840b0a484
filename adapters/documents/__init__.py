"""Documents rendered from core/domain/parecer.py's `Parecer`: HTML (Jinja2) and PDF (fpdf2)."""
