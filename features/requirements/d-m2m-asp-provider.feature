@requirements
Feature: 6.3.1 d) An M2M or application service provider is the authentication provider
  Requirement 6.3.1 d): "The M2M SP / ASP is required to be allowed to play the role of the provider of the
  Authentication Services, in addition to the TSP."
  The profile's reading: an M2M service provider's or an application service provider's Authentication Server runs
  RPB, RPO and RPR exactly as an operator's does, with the same checks: the subscription is the provider's own (not
  an operator's), and a wrong answer to its challenge or an Application Server without rights is refused.

  Scenario Outline: A device subscribed with a <kind> bootstraps with it and its Application Server gets the key
    Given device "A" with a subscription of "<provider>"
    And Application Server "Fleet Owner" is registered with "<provider>"
    And "<provider>" grants "Fleet Owner" rights over device "A" for "position"
    When device "A" bootstraps with "<provider>"
    And Application Server "Fleet Owner" asks "<provider>" for the key of device "A"
    Then "Fleet Owner" gets the key the Secure Element of device "A" derives for it
    And the B-TID of device "A" names the realm of "<provider>"

    @OBF-6.3.1-d @OBF-6.4.2-RPB @OBF-6.4.2-RPO @OBF-6.4.2-RPR @TP/OBF/REQ-D/BV-01
    Examples: an M2M service provider
      | provider     | kind                 |
      | M2M Provider | M2M service provider |

    @OBF-6.3.1-d @OBF-6.4.2-RPB @OBF-6.4.2-RPO @OBF-6.4.2-RPR @TP/OBF/REQ-D/BV-02
    Examples: an application service provider
      | provider     | kind                         |
      | App Provider | application service provider |

  @OBF-6.3.1-d @OBF-6.4.2-RPB @TP/OBF/REQ-D/BI-01
  Scenario: An M2M provider refuses a wrong answer to its challenge
    Given device "A" with a subscription of "M2M Provider"
    When device "A" bootstraps with "M2M Provider" answering the challenge with a wrong RES
    Then the Authentication Server refuses the bootstrap of device "A" with error "AUTH_FAILED"

  @OBF-6.3.1-d @OBF-6.4.2-RPO @OBF-6.4.2-RPR @TP/OBF/REQ-D/BI-02
  Scenario: An application provider gives no key to an Application Server without rights
    Given device "A" with a subscription of "App Provider"
    And Application Server "Fleet Owner" is registered with "App Provider"
    And device "A" has bootstrapped with "App Provider"
    When Application Server "Fleet Owner" asks "App Provider" for the key of device "A"
    Then the Authentication Server refuses the key request with error "NO_RIGHTS"
