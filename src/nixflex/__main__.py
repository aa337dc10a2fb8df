"""`python -m nixflex`: the `nixflex` command (needs `pip install 'nixflex[cli]'`)."""

if __name__ == "__main__":
    from nixflex.cli import main

    main()
