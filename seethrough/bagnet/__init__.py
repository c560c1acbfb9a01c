"""BagNets, interpretable by design (Brendel & Bethge 2019, arXiv:1904.00760).

The models live in :mod:`seethrough.zoo.bagnet` (``bagnet_mnist``, ``bagnet9_mnist``, ...); this
package reads them: :func:`bagnet_evidence` (exact per-patch class evidence, one pass),
:func:`patchwise_evidence` (the same, patch by patch), :func:`top_patches` (the paper's Fig. 3)
and :func:`compare` (rank agreement with an ordinary CNN's occlusion and Grad-CAM maps).
"""
from __future__ import annotations

from .comparison import Agreement, compare
from .evidence import Evidence, bagnet_evidence
from .patchwise import patchwise_evidence
from .top_patches import ClassPatches, PatchHit, top_patches

__all__ = ["Agreement", "ClassPatches", "Evidence", "PatchHit", "bagnet_evidence", "compare",
           "patchwise_evidence", "top_patches"]
