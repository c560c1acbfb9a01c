"""seethrough predict IMAGE: the model's top classes for one image."""
from __future__ import annotations

from ..data import load_image
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "predict"
HELP = "classify an image: the top-K classes with their probabilities"


def add_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME (see 'seethrough samples') or mnist:INDEX")
    parser.add_argument("--top", type=int, default=5, help="how many classes (default 5)")
    add_model_options(parser)
    add_output_options(parser)


def run(args) -> int:
    prepare(args)
    if args.top < 1:
        from ..errors import SeethroughError
        raise SeethroughError("--top must be at least 1")
    image = load_image(args.image)
    model = load_model(args)
    predictions = model.predict(model.preprocess(image).to(model.device), top=args.top)[0]
    if args.json:
        print_json([p.to_dict() for p in predictions])
    else:
        for p in predictions:
            print(f"{p.prob:7.2%}  {p.label}  ({p.index})")
    return 0
