"""Prompt templates that wrap an action name (one ``{}`` each)."""

from __future__ import annotations

# ActionCLIP's 16 Kinetics prompts (Wang et al. 2021, its text_prompt.py), as format strings.
ACTIONCLIP_TEMPLATES: tuple[str, ...] = (
    "a photo of action {}",
    "a picture of action {}",
    "Human action of {}",
    "{}, an action",
    "{} this is an action",
    "{}, a video of action",
    "Playing action of {}",
    "{}",
    "Playing a kind of action, {}",
    "Doing a kind of action, {}",
    "Look, the human is {}",
    "Can you recognize the action of {}?",
    "Video classification of {}",
    "A video of {}",
    "The man is {}",
    "The woman is {}",
)

# Shapes-world motion: the class name is a direction ("left", "up", ...).
SHAPE_MOTION_TEMPLATES: tuple[str, ...] = (
    "a video of a shape moving {}",
    "a clip of a shape that moves {}",
    "footage of a shape going {}",
    "a shape moving {}",
    "a video of a shape going {}",
    "a clip of a shape moving {}",
    "footage of a shape that moves {}",
    "a shape that moves {}",
)
