module example.com/deploy-gate

go 1.22
