from smsremind.cli import main

# Guarded, so that importing this module (tools that scan a package do) runs nothing.
if __name__ == "__main__":
    main()
