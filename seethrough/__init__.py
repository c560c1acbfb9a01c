"""seethrough: see how a neural-network classifier reaches its decisions.

>>> import seethrough as st
>>> model = st.zoo.load("efficientnet_lite0")
>>> x = model.preprocess(st.data.sample("chelsea"))
>>> model.predict(x, top=3)
"""
from . import bagnet, concepts, data, hooks, inside, optvis, zoo
from .attribution import Attribution, attribute, list_methods
from .attribution.occlusion import occlusion
from .concepts import tcav
from .errors import SeethroughError
from .hooks import capture
from .inside.scan import scan
from .lime import lime_image, lime_stability, lime_tabular, lime_text
from .model import Model, Prediction
from .probes import probe
from .trust import faithfulness, sanity

__version__ = "0.1.0"
__all__ = ["Attribution", "attribute", "list_methods", "occlusion", "Model", "Prediction", "SeethroughError", "faithfulness", "sanity", "scan", "capture", "lime_image", "lime_stability", "lime_tabular", "lime_text", "bagnet", "concepts", "inside", "optvis", "tcav", "data", "probe", "zoo"]
