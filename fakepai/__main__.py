from fakepai.cli import main

raise SystemExit(main())
