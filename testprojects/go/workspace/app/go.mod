module example.com/app

go 1.27

require example.com/lib v0.0.0
