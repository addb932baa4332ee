from geo.demo import main

raise SystemExit(main())
