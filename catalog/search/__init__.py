"""The query model of the catalog: a search's parameters, filters, full text and facet counts."""
