"""The trial page's "Add to compare" link: the selection so far comes in the page's address
(``?compare=NCT…,NCT…``), so no state is kept anywhere but in addresses."""

from django import template

from catalog.site.compare import MAX_TRIALS, compare_url, selection_of

register = template.Library()


@register.inclusion_tag("catalog/includes/trial_compare.html", takes_context=True)
def compare_link(context, trial):
    request = context.get("request")
    chosen, _ = selection_of(request.GET.getlist("compare") if request else [])
    chosen = [i for i in chosen if i != trial.nct_id][: MAX_TRIALS - 1]
    return {
        "trial": trial,
        "others": chosen,
        "url": compare_url([*chosen, trial.nct_id]),
    }
