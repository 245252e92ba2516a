"""The five web portals (main, SMB, enterprise, Nexus, admin), server-rendered."""
