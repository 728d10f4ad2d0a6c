// The Partitioning target: see its files (being written).
