from alur.cli import main

raise SystemExit(main())
