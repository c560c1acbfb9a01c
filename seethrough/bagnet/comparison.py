"""Do ordinary CNNs decide the way a BagNet does? Rank-correlate their maps on the same digits.

The lecture's question after Brendel & Bethge (2019, arXiv:1904.00760, Sec. 5): a BagNet's class
evidence per patch is exact; an ordinary CNN (``mnist_cnn``) can only be explained after the fact,
here by occlusion (Zeiler & Fergus 2014) and Grad-CAM (Selvaraju et al. 2017). If the CNN used the
same local evidence, its maps would rank the image regions the way the BagNet's evidence does.

Every map is brought to the BagNet's patch grid (gh x gw; 7 x 7 on a 28 px digit): a pixel map
is averaged over the ``step`` x ``step`` cell around each patch centre (the cells tile the digit),
a coarse map (Grad-CAM) is first resized to the input bilinearly, as it is drawn. The agreement of
two maps is Spearman's rank correlation over the grid cells, per digit (Adebayo et al. 2018 use
the same measure to compare explanations). Controls put the numbers in scale: ``ink`` (the digit's
own pixels: "evidence is where the ink is") and the BagNet's own occlusion map (how much of the
disagreement is the explanation method rather than the model).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..attribution import attribute
from ..attribution.gradcam import last_spatial_layer
from ..errors import SeethroughError
from ..trust.similarity import spearman
from .evidence import bagnet_evidence, bagnet_module, patch_layout

#: the map pairs compared, as (first, second) names of :attr:`Agreement.maps`
PAIRS = (("evidence", "cnn_occlusion"), ("evidence", "cnn_gradcam"), ("cnn_occlusion", "cnn_gradcam"),
         ("evidence", "bagnet_occlusion"), ("evidence", "ink"), ("cnn_occlusion", "ink"), ("cnn_gradcam", "ink"),
         ("bagnet_occlusion", "ink"))


@dataclass
class Agreement:
    """Maps of a BagNet and a CNN on the same digits, and how well they agree.

    Attributes
    ----------
    maps : name -> (N, gh, gw) float64 maps on the BagNet's grid: ``evidence`` (the BagNet's),
        ``cnn_occlusion``, ``cnn_gradcam``, ``bagnet_occlusion``, ``ink``.
    correlations : "first~second" -> (N,) Spearman's rank correlation per digit.
    target : (N,) the class explained (the true label).
    options : how the maps were made.
    """

    maps: dict[str, torch.Tensor]
    correlations: dict[str, np.ndarray]
    target: torch.Tensor
    options: dict

    def partial(self, first: str, second: str, control: str = "ink") -> np.ndarray:
        """(N,) the rank correlation of two maps with ``control`` partialled out: how far they agree
        beyond what each shares with the control (e.g. "both follow the ink")."""
        def rho(a: str, b: str) -> np.ndarray:
            return self.correlations.get(f"{a}~{b}", self.correlations.get(f"{b}~{a}"))
        both, one, two = rho(first, second), rho(first, control), rho(second, control)
        scale = np.sqrt(np.clip((1 - one ** 2) * (1 - two ** 2), 1e-12, None))
        return np.clip((both - one * two) / scale, -1.0, 1.0)

    def summary(self) -> dict[str, dict[str, float]]:
        """"first~second" -> mean, median and standard deviation of the correlation over the digits,
        and for the pairs without ink, ``mean_beyond_ink``: the mean partial correlation given ink."""
        result = {}
        for pair, values in self.correlations.items():
            first, second = pair.split("~")
            result[pair] = {"mean": round(float(np.mean(values)), 4), "median": round(float(np.median(values)), 4),
                            "std": round(float(np.std(values)), 4)}
            if "ink" not in (first, second):
                result[pair]["mean_beyond_ink"] = round(float(np.mean(self.partial(first, second))), 4)
        return result

    def class_means(self, pair: str) -> dict[int, float]:
        """class -> the mean correlation of ``pair`` ("first~second") over the digits of that class."""
        values, target = self.correlations[pair], self.target.cpu().numpy()
        return {int(index): round(float(values[target == index].mean()), 4) for index in np.unique(target)}

    def constant_maps(self) -> dict[str, int]:
        """name -> how many digits' maps are constant (e.g. Grad-CAM all 0 after its ReLU); such a map
        ranks nothing, and its correlations count as 0."""
        return {name: int((values.flatten(1).amax(1) == values.flatten(1).amin(1)).sum())
                for name, values in self.maps.items()}

    def to_dict(self) -> dict:
        return {"digits": len(self.target), "options": self.options, "correlation": self.summary(),
                "constant_maps": self.constant_maps(),
                "by_class": {pair: self.class_means(pair)
                             for pair in ("evidence~cnn_occlusion", "evidence~cnn_gradcam")}}


def balanced_indices(labels, count: int) -> torch.Tensor:
    """``count`` indices into ``labels`` taking each class in turn (its 1st digit, then its 2nd, ...):
    a fixed sample that covers every class evenly. MNIST-5k's split is sorted by class, so its
    first N digits would all be zeros and ones."""
    labels = torch.as_tensor(np.asarray(labels)).long().view(-1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SeethroughError(f"the number of digits must be a positive whole number, got {count!r}")
    members = [(labels == index).nonzero().flatten().tolist() for index in labels.unique().tolist()]
    order = [group[rank] for rank in range(max(map(len, members))) for group in members if rank < len(group)]
    return torch.tensor(order[:count], dtype=torch.long)


def to_grid(values: torch.Tensor, *, step: int, first_centre: int, grid: tuple[int, int]) -> torch.Tensor:
    """A pixel map (N, H, W) -> (N, gh, gw): the mean over the ``step`` x ``step`` cell around each patch centre.

    Cell (i, j) covers rows ``first_centre + step * i - step // 2`` onwards; parts outside the map count as 0.
    """
    start = first_centre - step // 2
    rows, cols = grid
    values = values.to(torch.float64)
    height, width = values.shape[-2:]
    before = max(0, -start)
    after_y = max(0, start + step * rows - height)
    after_x = max(0, start + step * cols - width)
    padded = F.pad(values, (before, after_x, before, after_y))
    top = start + before
    window = padded[:, top:top + step * rows, top:top + step * cols]
    return F.avg_pool2d(window[:, None], step)[:, 0]


def by_class(model, x: torch.Tensor, labels: torch.Tensor, method: str, **options) -> torch.Tensor:
    """``attribute(model, x, method=method)`` with each digit's own class as target (one call per class),
    values on the CPU in the digits' order."""
    values = None
    for index in labels.unique().tolist():
        chosen = (labels == index).nonzero().flatten()
        part = attribute(model, x[chosen.to(x.device)], target=index, method=method, **options).values.detach().cpu()
        if values is None:
            values = part.new_zeros((len(x), *part.shape[1:]))
        values[chosen] = part
    return values


def compare(bagnet, cnn, x: torch.Tensor, labels, *, occlusion_window: int = 8, occlusion_stride: int = 4,
            gradcam_layer: str | None = None, gradcam_relu: bool = True) -> Agreement:
    """The BagNet's evidence maps against ``cnn``'s occlusion and Grad-CAM maps, for the true class.

    Parameters
    ----------
    bagnet : a :class:`seethrough.Model` around a BagNet (``zoo.load("bagnet_mnist")``).
    cnn : an ordinary classifier on the same inputs (``zoo.load("mnist_cnn")``).
    x : preprocessed digits (N, C, H, W) (both MNIST models take pixels in [0, 1] as they are).
    labels : (N,) true classes; every map explains this class.
    occlusion_window, occlusion_stride : occlusion's square (baseline zeros, black on MNIST) and step.
    gradcam_layer : the CNN layer for Grad-CAM; default its last layer with a spatial output.
    gradcam_relu : Grad-CAM's final ReLU, as in the paper (ties at 0 share their mean rank); False
        keeps its negative values, so that they rank too.

    Returns
    -------
    :class:`Agreement`; ``agreement.summary()`` holds the mean rank correlation of each pair in
    :data:`PAIRS`.
    """
    labels = torch.as_tensor(np.asarray(labels)).long().view(-1)
    if x.dim() != 4 or len(labels) != len(x):
        raise SeethroughError(f"compare needs digits (N, C, H, W) and N labels; got {tuple(x.shape)} and {len(labels)}")
    _, step, first_centre = patch_layout(bagnet_module(bagnet))
    evidence = bagnet_evidence(bagnet, x, target=labels)
    grid = tuple(evidence.values.shape[2:])
    size = tuple(x.shape[2:])

    def gridded(pixel_map: torch.Tensor) -> torch.Tensor:
        return to_grid(pixel_map.detach().cpu(), step=step, first_centre=first_centre, grid=grid)

    occlusion = {"window": occlusion_window, "stride": occlusion_stride, "baseline": "zeros"}
    cnn_occlusion = by_class(cnn, x, labels, "occlusion", **occlusion).sum(1)
    bagnet_occlusion = by_class(bagnet, x, labels, "occlusion", **occlusion).sum(1)
    gradcam_layer = gradcam_layer or last_spatial_layer(cnn)
    gradcam = by_class(cnn, x, labels, "gradcam", layer=gradcam_layer, relu=gradcam_relu)
    gradcam_pixels = F.interpolate(gradcam[:, None].double(), size=size, mode="bilinear", align_corners=False)[:, 0]
    maps = {"evidence": evidence.target_map.detach().cpu().double(), "cnn_occlusion": gridded(cnn_occlusion),
            "cnn_gradcam": gridded(gradcam_pixels), "bagnet_occlusion": gridded(bagnet_occlusion),
            "ink": gridded(cnn.denormalize(x).sum(1))}
    correlations = {f"{first}~{second}": np.array([spearman(maps[first][k].numpy(), maps[second][k].numpy())
                                                   for k in range(len(x))]) for first, second in PAIRS}
    options = {"occlusion_window": occlusion_window, "occlusion_stride": occlusion_stride,
               "occlusion_baseline": "zeros", "gradcam_layer": gradcam_layer, "gradcam_relu": gradcam_relu,
               "grid": list(grid), "step": step, "first_centre": first_centre, "bagnet": bagnet.name, "cnn": cnn.name}
    return Agreement(maps=maps, correlations=correlations, target=labels, options=options)
