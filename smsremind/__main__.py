from smsremind.cli import main

main()
