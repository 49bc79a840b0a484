"""Curriculum documents in and out: JSON, CSV (one row per unit) and MEC's Currículo Escolar Digital XML."""
