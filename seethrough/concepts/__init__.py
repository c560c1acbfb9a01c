"""Concepts: TCAV (Kim et al. 2018) with its significance test, and channel attribution.

>>> result = st.concepts.tcav(model, ["striped", "dotted"], "zebra", ["_blocks.10"], class_images="zebras/")
>>> result.get("striped", "_blocks.10").significant
>>> st.concepts.channel_attribution(model, x, "_blocks.10", target="beagle", versus="tiger cat").top(4)
"""
from .cav import CAV, train_cav
from .channels import ChannelAttribution, channel_attribution
from .procedural import PROCEDURAL_CONCEPTS, procedural_set
from .significance import Significance, significance
from .sources import TEXTURES, ImageSet, concept_images, folder_images, image_set, random_sets, texture_crops
from .tcav import ConceptScore, TCAVResult, tcav

__all__ = ["CAV", "ChannelAttribution", "ConceptScore", "ImageSet", "PROCEDURAL_CONCEPTS", "Significance", "TCAVResult", "TEXTURES",
           "channel_attribution", "concept_images", "folder_images", "image_set", "procedural_set", "random_sets", "significance",
           "tcav", "texture_crops", "train_cav"]
