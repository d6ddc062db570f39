"""The MSC profile rules, one module per stage, in the order ``profile.py`` runs them:

- ``vocabulary``: the word lists of ``catalog/msc/rules.toml``, compiled;
- ``text``: a record's text normalised, split into sentences and shortened into evidence;
- ``record``: which interventions and arms are the MSC product, the text in tiers;
- ``recognition``: whether the record gives an MSC product at all;
- ``source``, ``donor``, ``route``, ``dose``, ``product``: one value each;
- ``profile``: ``profile_from_study(study)``, the public profile built from them.

Plain Python over the ClinicalTrials.gov API v2 record (a dict): the rules need neither the
database nor the network. ``catalog.msc.annotate`` stores what they give.
"""
