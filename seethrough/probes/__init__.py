"""Behaviour probes, the first lecture's experiments: cover parts, show only the shape, only the texture."""
from .experiment import ProbeResult, probe
from .parts import Box, cover, grid_boxes, parse_box
from .shape import silhouette
from .texture import tile_texture

__all__ = ["ProbeResult", "probe", "Box", "cover", "grid_boxes", "parse_box", "silhouette", "tile_texture"]
