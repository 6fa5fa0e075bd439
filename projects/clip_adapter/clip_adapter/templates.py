"""Prompt templates of the few-shot shapes-world classes."""

# The prefixes of clipx's caption grammar around an object phrase ("a photo of a small red
# circle"): the tiny CLIP saw exactly these. Size names start with a consonant, hence "a".
SHAPES_TEMPLATES: tuple[str, ...] = (
    "a {}",
    "a photo of a {}",
    "an image of a {}",
    "a picture of a {}",
    "there is a {}",
)
