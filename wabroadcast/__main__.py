from wabroadcast.cli import main

main()
