"""Inside the network: filters, streaming activation scans, top examples, top patches with receptive
fields and deconvnet projections, PCA / t-SNE of a layer.

>>> from seethrough.inside import scan, top_examples, top_patches, project, filters
>>> result = scan(model, "mnist", ["relu2", "fc"], k=9)       # one pass, O(k x channels) memory
>>> top_examples(model, "mnist", "fc", 8, labels=[8], bottom=True, result=result)
"""
from .datasets import Dataset, open_dataset
from .examples import Example, top_examples
from .filters import Filters, conv_layers, filters
from .patches import Patch, deconvnet_units, default_layer, top_patches
from .pca import Projection, knn_accuracy, project
from .receptive_field import ReceptiveField, receptive_field, receptive_fields
from .scan import LayerScan, ScanResult, scan
from .streaming_pca import PrincipalComponents, fit_pca

__all__ = ["Dataset", "Example", "Filters", "LayerScan", "Patch", "PrincipalComponents", "Projection", "ReceptiveField",
           "ScanResult", "conv_layers", "deconvnet_units", "default_layer", "filters",
           "fit_pca", "knn_accuracy", "open_dataset", "project", "receptive_field", "receptive_fields", "scan",
           "top_examples", "top_patches"]
