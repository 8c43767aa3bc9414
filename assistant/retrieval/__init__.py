"""Retrieval: BM25 and dense k-NN over the store, fused, then tools ranked from the hits."""
