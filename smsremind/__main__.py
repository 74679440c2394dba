from smsremind.cli import main

# Guarded: the import reader process (multiprocessing "spawn") imports __main__.
if __name__ == "__main__":
    main()
