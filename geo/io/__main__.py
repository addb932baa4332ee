from geo.io import main

raise SystemExit(main())
