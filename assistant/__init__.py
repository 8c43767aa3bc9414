"""Read side: question -> retrieve -> rank tools -> answer."""
