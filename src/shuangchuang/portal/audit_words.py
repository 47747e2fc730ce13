"""The portal writes one kind of audit row: an indicator marked public or no longer public; its field and
values are codes the core names already."""
