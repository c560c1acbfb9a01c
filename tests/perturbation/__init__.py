"""Perturbation explanations: occlusion."""
