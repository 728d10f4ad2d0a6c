// The Catalog target: see its files (being written).
