"""LIME for tables: quartiles, equal to the lime package when the model sees only the bins, and
statistically equal on a random forest trained on scikit-learn's breast-cancer table."""
import numpy as np
import pytest
from lime.lime_tabular import LimeTabularExplainer

from seethrough import SeethroughError
from seethrough.lime import lime_tabular
from seethrough.lime.discretize import bins, describe, quartile_edges
from seethrough.lime.tabular_model import tabular_demo


@pytest.fixture(scope="module")
def demo():
    return tabular_demo("breast_cancer", seed=0)


def _lime_weights(train, row, predict_proba, target, seed, n_samples, names):
    explainer = LimeTabularExplainer(train, feature_names=names, discretize_continuous=True, random_state=seed)
    explanation = explainer.explain_instance(row, predict_proba, labels=(target,), num_features=train.shape[1],
                                             num_samples=n_samples)
    weights = np.zeros(train.shape[1])
    for feature, weight in explanation.local_exp[target]:
        weights[feature] = weight
    return weights, explanation


def test_quartile_bins_match_lime():
    data = np.array([[1.0, 5], [2, 5], [3, 5], [4, 6], [5, 7], [6, 7], [7, 8], [8, 9]])
    edges = quartile_edges(data)
    np.testing.assert_allclose(edges[0], [2.75, 4.5, 6.25])
    np.testing.assert_allclose(edges[1], [5.0, 6.5, 7.25])
    np.testing.assert_array_equal(bins(np.array([[2.75, 5.0], [2.76, 5.01], [9.0, 7.25]]), edges),
                                  [[0, 0], [1, 1], [3, 2]])  # right-closed bins, as lime's searchsorted
    assert describe("r", edges[0], 0) == "r <= 2.75" and describe("r", edges[0], 3) == "r > 6.25"
    assert describe("r", edges[0], 1) == "2.75 < r <= 4.5"


def test_equals_lime_package_when_the_model_sees_only_bins(demo):
    edges = quartile_edges(demo.train)
    coefficients = np.random.default_rng(0).normal(size=demo.train.shape[1])

    def binned_model(rows):  # depends on the quartile bins only, so value sampling cannot matter
        score = (bins(rows, edges) - 1.5) @ coefficients / 6
        return np.stack([1 / (1 + np.exp(score)), 1 / (1 + np.exp(-score))], axis=1)

    row = demo.test[3]
    ours = lime_tabular(binned_model, demo.train, row, target=1, n_samples=500, seed=4)
    weights, explanation = _lime_weights(demo.train, row, binned_model, 1, 4, 500, demo.feature_names)
    np.testing.assert_allclose(ours.weights, weights, atol=1e-10)
    assert ours.intercept == pytest.approx(explanation.intercept[1], abs=1e-10)
    assert ours.r2 == pytest.approx(explanation.score, abs=1e-10)


def test_real_forest_statistically_equal_to_lime(demo):
    assert demo.accuracy > 0.9  # a real model: 100 trees on 426 rows, tested on 143
    row = demo.test[0]
    ours = lime_tabular(demo.predict_proba, demo.train, row, feature_names=demo.feature_names,
                        class_names=demo.class_names, n_samples=1500, seed=0)
    weights, _ = _lime_weights(demo.train, row, demo.predict_proba, ours.target, 0, 1500, demo.feature_names)
    top = set(np.argsort(-np.abs(ours.weights))[:5])
    assert len(top & set(np.argsort(-np.abs(weights))[:5])) >= 3
    assert np.corrcoef(ours.weights, weights)[0, 1] > 0.9
    assert ours.probabilities == pytest.approx(demo.predict_proba(row[None])[0])


def test_samples_are_real_training_values_in_the_drawn_bins(demo):
    calls = []

    def spy(rows):
        calls.append(rows.copy())
        return demo.predict_proba(rows)

    result = lime_tabular(spy, demo.train, demo.test[1], n_samples=200, seed=1)
    rows = calls[0]
    assert rows.shape == (200, demo.train.shape[1]) and np.array_equal(rows[0], demo.test[1])
    for column in range(rows.shape[1]):
        assert np.isin(rows[1:, column], demo.train[:, column]).all()
    again = lime_tabular(demo.predict_proba, demo.train, demo.test[1], n_samples=200, seed=1)
    assert again.weights.tobytes() == result.weights.tobytes()
    assert len(result.ranked(4)) == 4 and result.to_dict()["features"][0]["condition"] == result.ranked(1)[0][0]


@pytest.mark.parametrize("call, message", [
    (lambda d: lime_tabular(d.predict_proba, d.train, d.test[0][:3]), "row"),
    (lambda d: lime_tabular(d.predict_proba, d.train, d.test[0], n_samples=1), "n_samples"),
    (lambda d: lime_tabular(d.predict_proba, d.train, d.test[0], target="zebra", class_names=d.class_names), "zebra"),
    (lambda d: lime_tabular(d.predict_proba, d.train, d.test[0], class_names=["a", "b", "c"]), "class names"),
    (lambda d: lime_tabular(lambda rows: rows[:, 0], d.train, d.test[0]), "predict_proba"),
    (lambda d: tabular_demo("titanic"), "dataset")])
def test_errors(demo, call, message):
    with pytest.raises(SeethroughError, match=message):
        call(demo)
