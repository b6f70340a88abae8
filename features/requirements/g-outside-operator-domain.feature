@requirements
Feature: 6.3.1 g) Applications outside the operator's domain authenticate devices through the OBF
  Requirement 6.3.1 g): "The OBF enables Applications outside the TSP domain to use the framework to authenticate
  devices and access data."
  The profile's reading: an Authentication Server registers Application Servers whatever their domain (the NAF_Id's
  FQDN need not be under the provider's own domain) and serves them under the same rules as its own: a registered
  credential and rights granted by the device's owner. An application that never registered gets nothing.

  Background:
    Given device "A" with its Secure Element
    And Application Server "Insurer" in the domain "telematics.insurer.example" is registered with "Operator A"
    And "Operator A" grants "Insurer" rights over device "A" for "position"
    And device "A" has bootstrapped with "Operator A"

  @OBF-6.3.1-g @OBF-6.4.2-RPO @TP/OBF/REQ-G/BV-01
  Scenario: An application in another domain authenticates the device and gets its key
    When Application Server "Insurer" asks "Operator A" for the key of device "A"
    Then "Insurer" gets the key the Secure Element of device "A" derives for it

  @OBF-6.3.1-g @OBF-6.4.2-RPO @TP/OBF/REQ-G/BI-01
  Scenario: An application that never registered with the provider gets nothing
    When an application never registered with "Operator A" asks for the key of device "A"
    Then the Authentication Server refuses the key request with error "UNAUTHORISED"
