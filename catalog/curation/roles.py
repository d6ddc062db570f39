"""The curators' roles: which permissions the "Curator" and "Editor" groups hold.

Curators view, add and change catalog records; editors also delete them and publish or hide
trials. Neither manages users. The history (trial changes) and the sync state are read only.
Used by the data migration that creates the groups and by ``create_curator``.
"""

CURATOR = "Curator"
EDITOR = "Editor"
READ_ONLY_MODELS = {"trialchange", "syncstate"}
PUBLISH = "publish_trial"


def codenames(permissions, role):
    """The codenames of ``role``'s permissions among the catalog's ``permissions``."""
    allowed = {"view", "add", "change"} if role == CURATOR else {"view", "add", "change", "delete"}
    chosen = set()
    for codename, model in permissions:
        action = codename.split("_", 1)[0]
        if codename == PUBLISH:
            if role == EDITOR:
                chosen.add(codename)
        elif model in READ_ONLY_MODELS:
            # Editors delete a trial's history with the trial, never on its own (the admin).
            if action == "view" or (role == EDITOR and codename == "delete_trialchange"):
                chosen.add(codename)
        elif action in allowed:
            chosen.add(codename)
    return chosen


def apply_roles(group_model, permission_model):
    """Create (or bring up to date) both groups with their catalog permissions."""
    catalog = permission_model.objects.filter(content_type__app_label="catalog")
    pairs = list(catalog.values_list("codename", "content_type__model"))
    for role in (CURATOR, EDITOR):
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(catalog.filter(codename__in=codenames(pairs, role)))
