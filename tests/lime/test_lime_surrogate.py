"""The surrogate: weighted ridge regression, the kernel and the cosine distance, against hand-computed
values and scikit-learn (which the lime package uses)."""
import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.metrics.pairwise import cosine_distances

from seethrough.lime.surrogate import cosine_distance, exponential_kernel, fit_surrogate


def test_hand_computed_ridge_one_feature():
    # x = [0, 1, 1], y = [0, 2, 4], weights [1, 1, 2]; weighted means: x 0.75, y 2.5.
    # centred x = [-.75, .25, .25], y = [-2.5, -.5, 1.5]; sum w x^2 = .5625 + .0625 + .125 = .75;
    # sum w x y = 1.875 - .125 + .75 = 2.5; ridge alpha 1: coef = 2.5 / (.75 + 1); intercept = 2.5 - .75 coef
    fit = fit_surrogate(np.array([[0.0], [1.0], [1.0]]), np.array([0.0, 2.0, 4.0]), np.array([1.0, 1.0, 2.0]))
    assert fit.coef[0] == pytest.approx(2.5 / 1.75, abs=1e-12)
    assert fit.intercept == pytest.approx(2.5 - 0.75 * 2.5 / 1.75, abs=1e-12)
    assert fit.local_prediction == pytest.approx(fit.intercept, abs=1e-12)  # row 0 is x = 0


def test_exact_fit_without_penalty_has_r2_one():
    rng = np.random.default_rng(0)
    features = rng.integers(0, 2, (50, 4)).astype(float)
    scores = 0.3 + features @ np.array([1.0, -2.0, 0.5, 0.0])
    fit = fit_surrogate(features, scores, rng.uniform(0.1, 1, 50), alpha=0.0)
    np.testing.assert_allclose(fit.coef, [1.0, -2.0, 0.5, 0.0], atol=1e-10)
    assert fit.intercept == pytest.approx(0.3, abs=1e-10)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("alpha", [0.01, 1.0, 10.0])
def test_equals_sklearn_weighted_ridge(alpha):
    rng = np.random.default_rng(1)
    features = rng.integers(0, 2, (200, 12)).astype(float)
    scores = rng.normal(size=200) + features[:, 3] - features[:, 7]
    weights = rng.uniform(0, 1, 200)
    fit = fit_surrogate(features, scores, weights, alpha=alpha)
    ridge = Ridge(alpha=alpha).fit(features, scores, sample_weight=weights)
    np.testing.assert_allclose(fit.coef, ridge.coef_, atol=1e-10)
    assert fit.intercept == pytest.approx(ridge.intercept_, abs=1e-10)
    assert fit.r2 == pytest.approx(ridge.score(features, scores, sample_weight=weights), abs=1e-10)
    assert fit.local_prediction == pytest.approx(ridge.predict(features[:1])[0], abs=1e-10)


def test_cosine_distance_matches_sklearn_including_empty_rows():
    rng = np.random.default_rng(2)
    masks = rng.integers(0, 2, (30, 7)).astype(float)
    masks[0] = 1
    masks[5] = 0
    np.testing.assert_allclose(cosine_distance(masks), cosine_distances(masks, masks[:1]).ravel(), atol=1e-12)
    assert cosine_distance(masks)[0] == pytest.approx(0.0, abs=1e-12) and cosine_distance(masks)[5] == 1.0


def test_kernel_is_lime_kernel():
    distances = np.array([0.0, 0.25, 1.0])
    np.testing.assert_allclose(exponential_kernel(distances, 0.25), np.sqrt(np.exp(-(distances ** 2) / 0.0625)))
    assert exponential_kernel(np.array([0.0]), 0.25)[0] == 1.0
