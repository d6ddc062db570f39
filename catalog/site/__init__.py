"""The public site: pages, feeds, sitemaps, downloads, insights and the page cache."""
