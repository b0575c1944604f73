"""Running fakepai: the command line, serving and embedding, the installed wheel, state files and their durability, reset."""
