from fedi.cli import main

raise SystemExit(main())
