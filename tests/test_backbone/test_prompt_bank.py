import pytest
import torch

from clipx.backbone import IMAGENET_TEMPLATES, PromptBank, resolve_templates
from clipx.testing import TEST_VIT, tiny_clip


class CountingClip:
    """Wraps a FrozenCLIP and counts text-encoder forwards."""

    def __init__(self, clip):
        self.clip, self.calls = clip, 0
        self.device = clip.device

    def encode_text(self, texts):
        self.calls += 1
        return self.clip.encode_text(texts)

    def text_fingerprint(self):
        return self.clip.text_fingerprint()

    def is_frozen(self, tower):
        return self.clip.is_frozen(tower)


@pytest.fixture(scope="module")
def clip():
    return tiny_clip(TEST_VIT)


def test_class_embedding_is_normalised_template_mean(clip):
    templates = ["a photo of a {}.", "a {}."]
    out = PromptBank(templates=templates).embed(clip, ["circle", "star"])
    per = clip.encode_text([t.format(n) for n in ["circle", "star"] for t in templates]).reshape(2, 2, -1)
    ref = torch.nn.functional.normalize(per.mean(dim=1), dim=-1)
    torch.testing.assert_close(out, ref)


def test_second_request_runs_no_text_forward(clip):
    counting = CountingClip(clip)
    bank = PromptBank(templates="default")
    first = bank.embed(counting, ["red circle", "blue square"])
    calls = counting.calls
    assert calls > 0
    second = bank.embed(counting, ["red circle", "blue square"])
    assert counting.calls == calls and bank.hits == 1
    torch.testing.assert_close(first, second)
    bank.embed(counting, ["red circle", "green star"])  # a new vocabulary is encoded
    assert counting.calls > calls


def test_disk_cache_survives_a_new_bank(clip, tmp_path):
    counting = CountingClip(clip)
    a = PromptBank(templates="name", cache_dir=tmp_path).embed(counting, ["circle"])
    calls = counting.calls
    b = PromptBank(templates="name", cache_dir=tmp_path).embed(counting, ["circle"])
    assert counting.calls == calls
    torch.testing.assert_close(a, b)


def test_cache_key_follows_the_weights(clip):
    other = tiny_clip(TEST_VIT, seed=1)
    assert clip.text_fingerprint() != other.text_fingerprint()
    bank = PromptBank(templates="name")
    a, b = bank.embed(clip, ["circle"]), bank.embed(other, ["circle"])
    assert bank.misses == 2 and not torch.allclose(a, b)


def test_frozen_clip_owns_a_bank(clip):
    clip.prompt_bank.clear()
    clip.embed_classes(["circle"])
    clip.embed_classes(["circle"])
    assert clip.prompt_bank.hits >= 1


def test_template_sets():
    assert len(IMAGENET_TEMPLATES) == 80 and all(t.count("{}") == 1 for t in IMAGENET_TEMPLATES)
    assert resolve_templates("name") == ("{}",)
    with pytest.raises(ValueError, match="Unknown template set 'nope'"):
        resolve_templates("nope")
    with pytest.raises(ValueError, match="exactly one"):
        resolve_templates(["no placeholder"])
    with pytest.raises(ValueError, match="class_names is empty"):
        PromptBank().embed(tiny_clip(TEST_VIT), [])
